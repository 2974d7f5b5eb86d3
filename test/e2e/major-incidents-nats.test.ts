/** The major-incident scenarios again with NATS JetStream as the event bus (issue: "Both buses"). */
export {};

process.env.CPSD_BUS = 'nats';
await import('./major-incidents.test');
