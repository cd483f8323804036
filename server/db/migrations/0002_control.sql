CREATE TABLE `controls` (
	`model_id` integer PRIMARY KEY NOT NULL,
	`pinned_stable` text,
	`rollout` text,
	`blocked` text DEFAULT '[]' NOT NULL,
	`metadata_version` integer NOT NULL,
	`expires` text NOT NULL,
	`envelope` text NOT NULL,
	`envelope_sha256` text NOT NULL,
	FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `controls_expires` ON `controls` (`expires`);