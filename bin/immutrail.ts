#!/usr/bin/env -S node --import tsx
import { runCli } from '../lib/cli/program';

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
