// Types of bin/node-version.js (plain JavaScript: it runs before the TypeScript loader).
export declare const MIN_NODE: readonly [major: number, minor: number]
export declare function nodeIsRecent(version: string): boolean
export declare function tooOldMessage(version: string, provided: string | null): string | null
