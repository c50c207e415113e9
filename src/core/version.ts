/**
 * The package version, sent in `User-Agent`. A test keeps it equal to package.json's.
 */
export const version = "0.2.0"
