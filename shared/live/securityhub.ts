import { DescribeHubCommand, GetEnabledStandardsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import type { LiveSession, ServiceReader } from "./session.ts";

export interface LiveStandardSubscription {
  standardsArn: string;
  /** PENDING, READY, FAILED, DELETING, INCOMPLETE. */
  status: string;
}

/** Security Hub in the session's region. */
export interface LiveSecurityHub {
  enabled: boolean;
  hubArn?: string;
  subscribedAt?: string;
  /** The standards subscribed to; undefined when Security Hub is off or GetEnabledStandards failed. */
  standards?: LiveStandardSubscription[];
}

/** Reads whether Security Hub is enabled in the region (DescribeHub) and which standards it runs (GetEnabledStandards). */
export class SecurityHubReader implements ServiceReader {
  static readonly service = "securityhub";
  static readonly actions = ["securityhub:DescribeHub", "securityhub:GetEnabledStandards"] as const;
  static readonly resourceTypes: readonly string[] = [];

  private state: LiveSecurityHub | undefined;
  private loading: Promise<void> | undefined;
  private readonly client: SecurityHubClient;

  constructor(private readonly session: LiveSession) {
    this.client = session.client(SecurityHubClient);
  }

  loadAccount(): Promise<void> {
    this.loading ??= this.read();
    return this.loading;
  }

  /** Security Hub in this region; undefined before loadAccount or when DescribeHub failed. */
  hub(): LiveSecurityHub | undefined {
    return this.state;
  }

  private async read(): Promise<void> {
    // Not subscribed is an answer: DescribeHub says InvalidAccessException (or ResourceNotFoundException for no hub).
    const hub = await this.session.call("securityhub", "DescribeHub", () => this.client.send(new DescribeHubCommand({})), {
      absentOn: ["InvalidAccessException", "ResourceNotFoundException"],
    });
    if (!hub.ok) {
      if (hub.absent) this.state = { enabled: false };
      return;
    }
    const state: LiveSecurityHub = { enabled: true };
    if (typeof hub.value.HubArn === "string") state.hubArn = hub.value.HubArn;
    if (typeof hub.value.SubscribedAt === "string") state.subscribedAt = hub.value.SubscribedAt;
    this.state = state;

    const pages = await this.session.paginate(
      "securityhub",
      "GetEnabledStandards",
      (NextToken) => this.client.send(new GetEnabledStandardsCommand({ NextToken })),
      (page) => page.NextToken,
    );
    if (!pages) return;
    const standards: LiveStandardSubscription[] = [];
    for (const subscription of pages.flatMap((page) => page.StandardsSubscriptions ?? [])) {
      if (typeof subscription.StandardsArn !== "string" || typeof subscription.StandardsStatus !== "string") {
        this.session.fail("securityhub", "GetEnabledStandards", "malformed-response", "GetEnabledStandards returned a subscription without a StandardsArn or StandardsStatus");
        return;
      }
      standards.push({ standardsArn: subscription.StandardsArn, status: subscription.StandardsStatus });
    }
    state.standards = standards;
  }
}
