/** An error in what the user gave (a flag, a file, a field): printed without a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}
