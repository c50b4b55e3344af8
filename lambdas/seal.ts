// Placeholder entry so the stack synthesizes while the handler is being written; replaced by the real handler.
export const handler = async (): Promise<void> => {
  throw new Error('immutrail seal handler not built yet');
};
