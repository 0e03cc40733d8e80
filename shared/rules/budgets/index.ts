import type { Rule } from "../rule.ts";
import budgetNoNotification from "./budget-no-notification.ts";

export const BUDGETS_RULES: readonly Rule[] = [budgetNoNotification];
