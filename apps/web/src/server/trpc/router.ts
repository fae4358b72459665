/** The whole tRPC API. The dashboard imports `type AppRouter` from here (types only). */
import { router } from "./init.js";
import { authRouter } from "./routers/auth.js";
import { enrollmentRouter } from "./routers/enrollment.js";
import { fleetRouter } from "./routers/fleet.js";

export const appRouter = router({
  auth: authRouter,
  fleet: fleetRouter,
  enrollment: enrollmentRouter,
});

export type AppRouter = typeof appRouter;
