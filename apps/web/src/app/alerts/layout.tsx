/** The signed-in shell (auth gate, live connection, rail), as every page under (app) has it. */
export { default } from "../(app)/layout";
