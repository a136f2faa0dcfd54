/** Runs a cellscape command in this process, as the CLI does, capturing what it prints on stderr. */
import { main } from '../search/cli.ts';

export async function cellscapeInProcess(args: string[]): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try {
    return { code: await main(args), err: lines.join('\n') };
  } finally {
    console.error = original;
  }
}
