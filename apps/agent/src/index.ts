/** The agent as a library, for tests and tools that start agents in-process. */
export { Agent, type AgentOptions, type AgentStatus } from "./agent.js";
export type { HostCollector, HostFacts } from "./collectors/host-collector.js";
export { type Config, parseConfig } from "./config.js";
export type { Driver, DriverEvent, DriverListener, InventoryDelta } from "./drivers/driver.js";
export { describeHost, selectRealHost } from "./drivers/select.js";
export { selectSimHost } from "./drivers/select-sim.js";
export { EnrollError, enrollAgent } from "./enroll.js";
export { AgentError } from "./errors.js";
export { createLogger, createSilentLogger } from "./logger.js";
export { SimFleet, type SimFleetOptions } from "./sim-fleet.js";
export { type Credentials, readCredentials } from "./state/credentials.js";
export { AgentConnection, type AgentConnectionOptions, type ConnectionHandlers } from "./transport/connection.js";
export { AGENT_VERSION } from "./version.js";
