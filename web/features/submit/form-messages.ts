// What the form says about a refused index: the API's rule (shared/index-input), in words for
// the person typing rather than for an API client.

export const formMessages = {
  malformed: 'Type a whole number like 12: digits only, no sign, spaces or decimal point.',
  outOfRange: (maxIndex: number) => `Choose a number from 0 to ${maxIndex.toLocaleString('en-US')}.`,
};
