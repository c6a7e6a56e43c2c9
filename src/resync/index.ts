export { ListResync, type ListResyncOptions, type ResyncTarget } from "./list-resync.js";
