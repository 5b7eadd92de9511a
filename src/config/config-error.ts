/** A configuration value is missing or invalid; the message names the variable. */
export class ConfigError extends Error {}
