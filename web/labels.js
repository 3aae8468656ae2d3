// labels.js: words for the API's codes, so the page says "Hispanic or
// Latino" where the API says hispanic_latino. A code without a word here
// is shown with its underscores turned into spaces.

const WORDS = {
  // race_ethnicity
  american_indian_alaska_native: 'American Indian or Alaska Native',
  asian: 'Asian',
  black: 'Black or African American',
  hispanic_latino: 'Hispanic or Latino',
  middle_eastern_north_african: 'Middle Eastern or North African',
  native_hawaiian_pacific_islander: 'Native Hawaiian or Pacific Islander',
  white: 'White',
  declined: 'Declined to state',
  two_or_more: 'Two or more',
  // gender
  female: 'Female', male: 'Male', nonbinary: 'Nonbinary', another: 'Another gender',
  // age bands
  under_25: 'Under 25', '25_34': '25 to 34', '35_44': '35 to 44', '45_54': '45 to 54',
  '55_64': '55 to 64', '65_plus': '65 and over',
  // sector
  acute: 'Acute care', ambulatory: 'Ambulatory care', long_term_care: 'Long-term care',
  home_care: 'Home care', community_clinic: 'Community clinic',
  behavioral_health: 'Behavioral health', other: 'Other',
  // employment status
  incumbent: 'Incumbent worker', new_entrant: 'New entrant', unemployed: 'Unemployed',
  // statuses
  enrolled: 'Enrolled', waitlisted: 'Waitlisted', active: 'Active', completed: 'Completed',
  withdrawn: 'Withdrawn', failed: 'Failed', expired: 'Expired', revoked: 'Revoked',
  suspended: 'Suspended', cancelled: 'Cancelled', submitted: 'Submitted',
  approved: 'Approved', denied: 'Denied', paid: 'Paid',
  // credential sources, approaches, hours, employment records
  earned: 'Earned', prior_learning: 'Prior learning', transfer: 'Transfer',
  apprenticeship: 'Apprenticeship', time_based: 'Time-based',
  competency_based: 'Competency-based', hybrid: 'Hybrid',
  ojl: 'On-the-job learning', rti: 'Related technical instruction',
  placement: 'Placement', promotion: 'Promotion', wage_change: 'Wage change',
  separation: 'Separation',
  unknown: 'Not recorded',
};

/** Words for an API code. */
export function word(code) {
  if (code === null || code === undefined || code === '') return '–';
  return WORDS[code] || String(code).replaceAll('_', ' ');
}

/** The outcome dimensions the reports group by, in the order the form offers them. */
export const DIMENSIONS = [
  ['race_ethnicity', 'Race and ethnicity'],
  ['gender', 'Gender'],
  ['age_band', 'Age band'],
  ['sector', 'Employer sector'],
  ['employer', 'Employer'],
  ['program', 'Program'],
  ['preferred_language', 'Preferred language'],
  ['employment_status', 'Employment status'],
];

/** The node dimension, offered at central only. */
export const NODE_DIMENSION = ['node', 'Node (region)'];

/** The outcome report's count columns and their names. */
export const OUTCOME_METRICS = [
  ['participants', 'Participants'],
  ['completed', 'Completed a program'],
  ['credentials', 'Earned a credential'],
  ['apprentices', 'Apprentices'],
  ['apprentices_completed', 'Completed an apprenticeship'],
  ['placements', 'Placements'],
];

/** What a deliverable metric counts, in words. */
export const METRIC_WORDS = {
  participants: 'participants',
  completions: 'completions',
  credentials: 'workers awarded a credential',
  apprentices: 'registered apprentices',
  apprentices_completed: 'apprentices who completed',
  tuition_reimbursements: 'workers reimbursed',
  placements: 'placements',
  placement_rate: 'placement rate',
};

/** Metrics whose actual and target are percentages, not counts. */
export const RATE_METRICS = new Set(['placement_rate']);
