// Response headers as a plain record. A fetch Headers object validates and normalises every
// name and value as it is built and read: for a small JSON answer that was a measurable share
// of the API's CPU per request (bench --profile), and Node's writeHead validates them anyway.
import type { HttpResponseInit } from '@azure/functions';

/** The headers of a response init as a record with lower-case names; repeated names are joined with ", ". */
export function headerRecord(init: HttpResponseInit['headers']): Record<string, string> {
  // No prototype: a header named __proto__ or constructor is just a header.
  const record = Object.create(null) as Record<string, string>;
  if (init === undefined) return record;
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const text = String(value).trim();
    record[key] = Object.hasOwn(record, key) ? `${record[key]}, ${text}` : text;
  };
  if (init instanceof Headers) init.forEach((value, name) => add(name, value));
  else if (Array.isArray(init)) for (const [name, value] of init) add(name, value);
  else for (const [name, value] of Object.entries(init)) add(name, value);
  return record;
}
