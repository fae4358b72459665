export * from "./codec.js";
export * from "./commands.js";
export * from "./common.js";
export * from "./enroll.js";
export * from "./frames.js";
export * from "./sample-check.js";
export * from "./version.js";
