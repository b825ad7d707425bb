CREATE TABLE `event_source_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`source_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`last_four` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`expires_at` integer,
	`revoked_at` integer,
	`replaced_by` text,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`source_id`) REFERENCES `event_sources`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `event_source_keys_hash_unique` ON `event_source_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `event_source_keys_source_idx` ON `event_source_keys` (`org_id`,`source_id`);--> statement-breakpoint
CREATE TABLE `event_sources` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`send_key` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `event_sources_send_key_unique` ON `event_sources` (`send_key`);--> statement-breakpoint
CREATE INDEX `event_sources_org_idx` ON `event_sources` (`org_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`org_id` text NOT NULL,
	`event_id` text NOT NULL,
	`source_id` text NOT NULL,
	`account_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`session_id` text NOT NULL,
	`action` text NOT NULL,
	`feature` text,
	`module` text,
	`product` text,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	`batch_id` text NOT NULL,
	PRIMARY KEY(`org_id`, `event_id`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `events_session_time_idx` ON `events` (`org_id`,`account_id`,`user_id`,`session_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `events_batch_idx` ON `events` (`org_id`,`batch_id`);--> statement-breakpoint
CREATE TABLE `usage_daily` (
	`org_id` text NOT NULL,
	`account_id` text NOT NULL,
	`user_id` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`feature` text NOT NULL,
	`module` text NOT NULL,
	`event_count` integer NOT NULL,
	`active_users` integer NOT NULL,
	`session_ms` integer NOT NULL,
	PRIMARY KEY(`org_id`, `account_id`, `user_id`, `bucket_start`, `feature`, `module`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `usage_daily_org_day_idx` ON `usage_daily` (`org_id`,`bucket_start`);--> statement-breakpoint
CREATE TABLE `usage_hourly` (
	`org_id` text NOT NULL,
	`account_id` text NOT NULL,
	`user_id` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`feature` text NOT NULL,
	`module` text NOT NULL,
	`event_count` integer NOT NULL,
	`active_users` integer NOT NULL,
	`session_ms` integer NOT NULL,
	PRIMARY KEY(`org_id`, `account_id`, `user_id`, `bucket_start`, `feature`, `module`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
