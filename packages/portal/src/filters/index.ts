// The filter engine of DESIGN §7, in memory (policies, previews); its SQL twin for lists and agent
// pulls is store/filter-sql.ts, and a property test keeps the two giving the same answer.
export { compileMatcher, isEmptyFilter, matchesFilter, type StoredRecord } from './match.ts';
