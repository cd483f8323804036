PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_telemetry_batches` (
	`batch_id` blob PRIMARY KEY NOT NULL,
	`version_id` integer NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`version_id`) REFERENCES `versions`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
-- Edited by hand after drizzle-kit generate: WITHOUT ROWID above (drizzle cannot declare it), and
-- the rows converted: the id's 32 hex digits to 16 bytes, the ISO instant to epoch milliseconds.
-- Only ids of 32 hex digits were ever accepted on the wire; any other could match no batch.
INSERT INTO `__new_telemetry_batches`("batch_id", "version_id", "received_at") SELECT unhex("batch_id"), "version_id", CAST(round(unixepoch("received_at", 'subsec') * 1000) AS INTEGER) FROM `telemetry_batches` WHERE length("batch_id") = 32 AND unhex("batch_id") IS NOT NULL ORDER BY 1;--> statement-breakpoint
DROP TABLE `telemetry_batches`;--> statement-breakpoint
ALTER TABLE `__new_telemetry_batches` RENAME TO `telemetry_batches`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `telemetry_batches_received_at` ON `telemetry_batches` (`received_at`);