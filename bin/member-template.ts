#!/usr/bin/env node
/**
 * `npm run member-template`: writes the member stack's StackSets template to
 * templates/immutrail-member.template.json (test/stack/member-template.test.ts
 * fails when the committed file differs from what the code synthesizes).
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { MEMBER_TEMPLATE_PATH, synthMemberTemplate } from '../lib/member-template';

writeFileSync(MEMBER_TEMPLATE_PATH, synthMemberTemplate());
process.stdout.write(`wrote ${relative(process.cwd(), MEMBER_TEMPLATE_PATH)}\n`);
