// @cloudsiem/web — the portal's browser UI (entry: main.tsx, built by Vite into dist/, served by
// the portal at `/`). Its pure helpers, for tools and tests that need the same conversions:
export { filterToRows, rowsToFilter, describeFilter, type FilterRow } from './filters.ts';
export { parseHash, hashOf, parseFilterQuery, filterQuery, type Route } from './routes.ts';
