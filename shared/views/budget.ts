import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { isRecord, listValue, numberValue, stringValue } from "../template/values.ts";
import { defineView, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

export interface BudgetSubscriber {
  /** "EMAIL" or "SNS". */
  type?: string;
  address: unknown;
}

export interface BudgetNotification {
  /** "ACTUAL" or "FORECASTED". */
  notificationType?: string;
  comparison?: string;
  threshold?: number;
  thresholdType?: string;
  subscribers: BudgetSubscriber[];
  at: TemplatePath;
}

export interface BudgetView extends ResourceView {
  budgetName?: unknown;
  budgetType?: string;
  notifications: BudgetNotification[];
}

export const budgetViews = defineView<BudgetView>({
  name: "budget",
  fromTemplate(template: ResolvedTemplate) {
    return resourcesOfType(template, "AWS::Budgets::Budget").map((budget) => {
      const { logicalId, properties } = budget;
      const data = isRecord(properties.Budget) ? properties.Budget : {};
      const view: BudgetView = { logicalId, type: budget.type, at: ["Resources", logicalId], notifications: [] };
      if (data.BudgetName !== undefined) view.budgetName = data.BudgetName;
      const budgetType = stringValue(data.BudgetType);
      if (budgetType !== undefined) view.budgetType = budgetType;
      listValue(properties.NotificationsWithSubscribers).forEach((entry, index) => {
        if (!isRecord(entry)) return;
        const notification = isRecord(entry.Notification) ? entry.Notification : {};
        const item: BudgetNotification = { subscribers: [], at: propertyPath(logicalId, "NotificationsWithSubscribers", index) };
        const notificationType = stringValue(notification.NotificationType);
        if (notificationType !== undefined) item.notificationType = notificationType;
        const comparison = stringValue(notification.ComparisonOperator);
        if (comparison !== undefined) item.comparison = comparison;
        const threshold = numberValue(notification.Threshold);
        if (threshold !== undefined) item.threshold = threshold;
        const thresholdType = stringValue(notification.ThresholdType);
        if (thresholdType !== undefined) item.thresholdType = thresholdType;
        for (const subscriber of listValue(entry.Subscribers)) {
          if (!isRecord(subscriber)) continue;
          const type = stringValue(subscriber.SubscriptionType);
          item.subscribers.push({ ...(type !== undefined ? { type } : {}), address: subscriber.Address });
        }
        view.notifications.push(item);
      });
      return view;
    });
  },
});
