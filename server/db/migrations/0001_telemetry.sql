CREATE TABLE `telemetry_batches` (
	`batch_id` text PRIMARY KEY NOT NULL,
	`version_id` integer NOT NULL,
	`received_at` text NOT NULL,
	FOREIGN KEY (`version_id`) REFERENCES `versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `telemetry_batches_received_at` ON `telemetry_batches` (`received_at`);--> statement-breakpoint
CREATE TABLE `telemetry_buckets` (
	`version_id` integer NOT NULL,
	`start` text NOT NULL,
	`granularity` text NOT NULL,
	`aggregate` text NOT NULL,
	PRIMARY KEY(`version_id`, `start`, `granularity`),
	FOREIGN KEY (`version_id`) REFERENCES `versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `telemetry_buckets_granularity_start` ON `telemetry_buckets` (`granularity`,`start`);