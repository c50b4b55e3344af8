import { create, extract } from 'tar';

/**
 * The bundle's tar, through node-tar (npm `tar`): a gzipped ustar/pax file of
 * regular files, with no owner or mtime noise (portable).
 */
export async function packFiles(root: string, paths: readonly string[], out: string): Promise<void> {
  await create({ gzip: true, file: out, cwd: root, portable: true }, [...paths]);
}

/**
 * Extracts a gzipped tar into `root`. Only regular files and folders are written:
 * anything else (links, devices) is returned by path so that the caller can
 * report it. node-tar refuses absolute paths and `..` (preservePaths is off).
 * Strict: a damaged or non-tar file throws.
 */
export async function unpackFiles(file: string, root: string): Promise<{ skipped: string[] }> {
  const skipped: string[] = [];
  await extract({
    file,
    cwd: root,
    strict: true,
    filter: (path, entry) => {
      const type = 'type' in entry ? entry.type : 'File';
      if (type === 'File' || type === 'OldFile' || type === 'Directory') return true;
      skipped.push(path);
      return false;
    },
  });
  return { skipped };
}
