/** What a command's action gets from main(): where to write, and where to leave its exit code. */
export interface CommandContext {
  version: string;
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
  /** the process exit code main() returns; actions set it, usage errors become 2 */
  exitCode: number;
}
