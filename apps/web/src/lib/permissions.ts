/**
 * The role table the server enforces, read by the dashboard so that it offers only what the
 * signed-in role may do (the server refuses the rest anyway). A pure module: no server code
 * comes with it.
 */
export { type Permission, type Role, roleHasPermission } from "../server/access/permissions";
