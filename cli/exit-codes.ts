// The exit codes of every locksmith command (DESIGN.md section 9). Constants only.

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_UNKNOWN = 2;
export const EXIT_BAD_INPUT = 254;
export const EXIT_CRASH = 255;

/** An error whose message is for the user as it is (no stack trace) and whose exit code is 254. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
