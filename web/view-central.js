// view-central.js: central H-CAP's view: the regional nodes that report
// to it and their outcomes side by side. Everything here is pseudonymous
// and always suppressed (counts 1 to 9 are null), whoever asks.

import { listAll, request } from './api.js';
import { empty, h, num, stamp, table } from './dom.js';
import { errorBox } from './ui.js';
import { outcomeSection } from './view-outcomes.js';

// "12 s ago", "3 min ago": how fresh a node's last batch is.
function ago(seconds) {
  if (seconds === null || seconds === undefined) return 'never';
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

function nodesTable(nodes) {
  return table('Regional nodes', ['Node', 'Admitted', 'Last seen', 'Events received', 'Batches', 'Duplicates dropped'],
    nodes.map((n) => [n.node, n.allowed ? 'yes' : 'no (key removed)',
      n.last_seen ? `${stamp(n.last_seen)} (${ago(n.seconds_since_seen)})` : 'never',
      num(n.events), num(n.batches), num(n.duplicates)]), { numeric: [3, 4, 5] });
}

async function outcomesByNode() {
  try {
    const report = await request('/v1/reports/outcomes?by=node');
    return outcomeSection(report, 'node', 'Outcomes by node (whole history)');
  } catch (err) {
    if (err.status === 401 || !err.code) throw err;
    return errorBox(err, 'No outcomes by node');
  }
}

/** #/central */
export async function renderCentral() {
  const [nodes, outcomes] = await Promise.all([listAll('/v1/nodes'), outcomesByNode()]);
  return h('section', null,
    h('h1', null, 'Regional nodes'),
    h('p.lead', null, 'The training funds whose nodes send pseudonymous outcomes to this central node.'),
    h('section.card.part', { 'aria-labelledby': 'nodes-title' }, h('h2', { id: 'nodes-title' }, `Nodes (${nodes.length})`),
      nodes.length ? nodesTable(nodes) : empty('No node has reported yet. Admit one by filing its public key as nodes/<node-id>.pub.')),
    h('h2.section-title', { 'data-focus-results': true }, 'Outcomes by node'),
    outcomes);
}
