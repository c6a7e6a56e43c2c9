export { OperatorMetrics, type ProfileSnapshot } from "./registry.js";
export { type HealthChecks, type ListenAddress, parseBindAddress, serveHealth, serveMetrics } from "./server.js";
