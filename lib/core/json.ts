/** A JSON value as it travels through immutrail: numbers are always safe (|n| <= 2^53). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
