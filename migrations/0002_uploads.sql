CREATE TABLE `upload_chunks` (
	`job_id` text NOT NULL,
	`chunk_index` integer NOT NULL,
	`first_row` integer NOT NULL,
	`row_count` integer NOT NULL,
	`byte_start` integer NOT NULL,
	`byte_end` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`written` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`job_id`, `chunk_index`),
	FOREIGN KEY (`job_id`) REFERENCES `upload_jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `upload_chunks_status_idx` ON `upload_chunks` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `upload_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`created_by` text NOT NULL,
	`entity` text NOT NULL,
	`file_name` text NOT NULL,
	`r2_key` text NOT NULL,
	`size` integer NOT NULL,
	`multipart_upload_id` text,
	`parts` text NOT NULL,
	`status` text NOT NULL,
	`options` text NOT NULL,
	`preflight` text,
	`file_check` text,
	`rows_total` integer,
	`rows_read` integer DEFAULT 0 NOT NULL,
	`rows_written` integer DEFAULT 0 NOT NULL,
	`rows_failed` integer DEFAULT 0 NOT NULL,
	`scan_offset` integer DEFAULT 0 NOT NULL,
	`scan_done` integer DEFAULT false NOT NULL,
	`message` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`last_progress_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `upload_jobs_org_created_idx` ON `upload_jobs` (`org_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `upload_jobs_status_progress_idx` ON `upload_jobs` (`status`,`last_progress_at`);--> statement-breakpoint
CREATE TABLE `upload_row_failures` (
	`job_id` text NOT NULL,
	`row_number` integer NOT NULL,
	`record_id` text,
	`message` text NOT NULL,
	`raw` text NOT NULL,
	PRIMARY KEY(`job_id`, `row_number`),
	FOREIGN KEY (`job_id`) REFERENCES `upload_jobs`(`id`) ON UPDATE no action ON DELETE no action
);
