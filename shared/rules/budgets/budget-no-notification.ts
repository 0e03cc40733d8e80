import { display } from "../../template/values.ts";
import { budgetViews, type BudgetNotification } from "../../views/budget.ts";
import { defineRule, type Hit } from "../rule.ts";

function describeNotification(notification: BudgetNotification): string {
  const kind = notification.notificationType?.toLowerCase() ?? "";
  const threshold = notification.threshold !== undefined ? ` at ${notification.threshold}${notification.thresholdType === "ABSOLUTE_VALUE" ? "" : "%"}` : "";
  return `${kind ? `${kind} ` : ""}notification${threshold}`;
}

export default defineRule({
  id: "budget-no-notification",
  title: "Budget notifies nobody",
  severity: "info",
  description:
    "A budget without NotificationsWithSubscribers, or a notification without subscribers, tracks spend silently: runaway " +
    "costs (a compromised account mining cryptocurrency, a loop of Lambda invocations) surface only on the invoice.",
  remediation:
    "Add NotificationsWithSubscribers to the AWS::Budgets::Budget: at least a FORECASTED notification at 100% and an ACTUAL " +
    "one at 80%, each with an EMAIL or SNS subscriber (for SNS, a topic whose policy lets budgets.amazonaws.com publish).",
  seeds: ["003 §8"],
  anchors: [],
  judges: ["template"],
  check(context) {
    const hits: Hit[] = [];
    for (const budget of context.views(budgetViews)) {
      const resource = { logicalId: budget.logicalId, type: budget.type };
      const name = budget.budgetName !== undefined ? ` (${display(budget.budgetName)})` : "";
      if (budget.notifications.length === 0) {
        hits.push({
          resource,
          message: `Budget ${budget.logicalId}${name} has no NotificationsWithSubscribers: nobody is told when spend passes its limit`,
          evidence: { notifications: 0 },
        });
        continue;
      }
      budget.notifications.forEach((notification, index) => {
        if (notification.subscribers.length > 0) return;
        hits.push({
          resource,
          path: notification.at,
          message: `Budget ${budget.logicalId}${name}: its ${describeNotification(notification)} has no subscribers, so it alerts nobody`,
          detail: `notification:${index}`,
          evidence: { notification: { type: notification.notificationType, threshold: notification.threshold, subscribers: 0 } },
        });
      });
    }
    return hits;
  },
});
