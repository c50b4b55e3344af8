const AMAZONAWS = '.amazonaws.com';

/** "ec2.amazonaws.com" -> "ec2"; anything else is kept as given. */
export function serviceFromEventSource(eventSource: string): string {
  const i = eventSource.indexOf(AMAZONAWS);
  return i > 0 ? eventSource.slice(0, i) : eventSource;
}

/** EventBridge "aws.ec2" -> "ec2"; custom and partner sources are kept as given. */
export function serviceFromSource(source: string): string {
  return source.length > 4 && source.startsWith('aws.') ? source.slice(4) : source;
}
