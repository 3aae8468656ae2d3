// lookups.js: names for the ids that records carry (employer_id,
// program_id, cohort_id, program codes). Each list is fetched once per
// page load of the dashboard and kept, since a fund has tens of them, not
// thousands; a list the token may not read gives ids instead of names.

import { listAll } from './api.js';

const cache = new Map();

async function byKey(path, key) {
  if (!cache.has(path)) {
    cache.set(path, listAll(path, {}, 5000)
      .then((items) => new Map(items.map((item) => [item[key], item])))
      .catch((err) => {
        cache.delete(path);
        if (err.status === 401) throw err;
        return new Map();
      }));
  }
  return cache.get(path);
}

export const employers = () => byKey('/v1/employers', 'id');
export const programs = () => byKey('/v1/programs', 'id');
export const cohorts = () => byKey('/v1/cohorts', 'id');
export const apprenticeshipPrograms = () => byKey('/v1/apprenticeship-programs', 'code');

/** Forgets every list: a new token may read less than the one before. */
export function clearLookups() {
  cache.clear();
}

/** The name of an id in a lookup map, or the id itself. */
export function nameOf(map, id) {
  if (!id) return '–';
  return map.get(id)?.name || id;
}
