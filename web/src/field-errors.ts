/** Sorts an API error's entries by the form field each names (`extensions.field`), so a form shows each beside its field. */
import type { ApiError } from './api';

export interface FieldErrors {
  /** By field name (the last segment of `extensions.field`: `input.impact` → `impact`). */
  byField: Record<string, string>;
  /** Messages that name no field the form has. */
  general: string[];
}

export function fieldErrors(error: ApiError | null, fields: readonly string[]): FieldErrors {
  const result: FieldErrors = { byField: {}, general: [] };
  if (!error) return result;
  if (error.errors.length === 0) result.general.push(error.message);
  for (const entry of error.errors) {
    const field = entry.extensions?.field?.split('.').pop();
    // The first message for a field stands; the API answers one per field anyway.
    if (field && fields.includes(field)) result.byField[field] ??= entry.message;
    else result.general.push(entry.extensions?.code === 'INTERNAL_SERVER_ERROR' ? error.message : entry.message);
  }
  return result;
}

/**
 * As `fieldErrors`, keyed by the whole path under the input (`input.timeline[0].event` → `timeline[0].event`), for
 * forms with repeated rows; `accepts` says which paths the form shows.
 */
export function fieldPathErrors(error: ApiError | null, accepts: (path: string) => boolean): FieldErrors {
  const result: FieldErrors = { byField: {}, general: [] };
  if (!error) return result;
  if (error.errors.length === 0) result.general.push(error.message);
  for (const entry of error.errors) {
    const path = entry.extensions?.field?.replace(/^input\./, '');
    if (path && accepts(path)) result.byField[path] ??= entry.message;
    else result.general.push(entry.extensions?.code === 'INTERNAL_SERVER_ERROR' ? error.message : entry.message);
  }
  return result;
}
