/** The whole tRPC API. The dashboard imports `type AppRouter` from here (types only). */
import { router } from "./init.js";
import { alertsRouter } from "./routers/alerts.js";
import { auditRouter } from "./routers/audit.js";
import { authRouter } from "./routers/auth.js";
import { commandsRouter } from "./routers/commands.js";
import { deployRouter } from "./routers/deploy.js";
import { enrollmentRouter } from "./routers/enrollment.js";
import { fleetRouter } from "./routers/fleet.js";
import { invitationsRouter } from "./routers/invitations.js";
import { maintenanceRouter } from "./routers/maintenance.js";
import { membersRouter } from "./routers/members.js";
import { migrationsRouter } from "./routers/migrations.js";
import { plansRouter } from "./routers/plans.js";
import { registriesRouter } from "./routers/registries.js";
import { rolesRouter } from "./routers/roles.js";
import { sessionsRouter } from "./routers/sessions.js";
import { teamsRouter } from "./routers/teams.js";
import { tokensRouter } from "./routers/tokens.js";
import { webhooksRouter } from "./routers/webhooks.js";

export const appRouter = router({
  auth: authRouter,
  fleet: fleetRouter,
  enrollment: enrollmentRouter,
  commands: commandsRouter,
  migrations: migrationsRouter,
  deploy: deployRouter,
  maintenance: maintenanceRouter,
  plans: plansRouter,
  registries: registriesRouter,
  alerts: alertsRouter,
  webhooks: webhooksRouter,
  sessions: sessionsRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  teams: teamsRouter,
  roles: rolesRouter,
  tokens: tokensRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
