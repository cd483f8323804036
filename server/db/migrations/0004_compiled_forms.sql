CREATE TABLE `compiled_forms` (
	`source_sha256` text NOT NULL,
	`onnxruntime` text NOT NULL,
	`sha256` text NOT NULL,
	`size` integer NOT NULL,
	PRIMARY KEY(`source_sha256`, `onnxruntime`),
	FOREIGN KEY (`source_sha256`) REFERENCES `blobs`(`sha256`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sha256`) REFERENCES `blobs`(`sha256`) ON UPDATE no action ON DELETE no action
);
