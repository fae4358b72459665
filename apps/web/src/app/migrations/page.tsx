import { MigrationsView } from "@/components/migrations/migrations-view";

export default function MigrationsPage() {
  return <MigrationsView />;
}
