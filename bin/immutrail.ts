#!/usr/bin/env -S node --import tsx
// The SDK warns that releases after January 2027 need Node 22; immutrail pins SDK versions that run on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { runCli } from '../lib/cli/program';

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
