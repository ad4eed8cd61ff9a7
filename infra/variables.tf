variable "name_prefix" {
  description = "Prefix for every resource name, e.g. \"stereo-spot-dev\"."
  type        = string
  default     = "stereo-spot"
}

variable "dlq_max_receive_count" {
  description = "Receives before a message moves to its queue's dead-letter queue."
  type        = number
  default     = 5
}

variable "chunking_visibility_timeout_seconds" {
  description = "Splitting a source video into segments takes minutes, not hours."
  type        = number
  default     = 900
}

variable "video_worker_visibility_timeout_seconds" {
  description = "One GPU segment conversion can take up to an hour."
  type        = number
  default     = 3600
}

variable "ingest_visibility_timeout_seconds" {
  description = "Downloading a job's source from a URL into the input bucket."
  type        = number
  default     = 1200
}

variable "job_events_visibility_timeout_seconds" {
  description = "The web UI turning one stream record into a progress event."
  type        = number
  default     = 60
}

variable "deletion_visibility_timeout_seconds" {
  description = "Deleting a job's objects and records."
  type        = number
  default     = 600
}

variable "output_events_visibility_timeout_seconds" {
  description = "The output bucket's events (converted segments, inference results): one DynamoDB write each."
  type        = number
  default     = 120
}

variable "segment_output_visibility_timeout_seconds" {
  description = "The original's earlier name for the output-events queue."
  type        = number
  default     = 120
}

variable "job_status_events_visibility_timeout_seconds" {
  description = "The job worker: a completion write, a status update and the reassembly trigger."
  type        = number
  default     = 120
}

variable "reassembly_visibility_timeout_seconds" {
  description = "Concatenating every converted segment into the final video."
  type        = number
  default     = 1800
}

variable "upload_allowed_origins" {
  description = "Browser origins allowed to PUT uploads to the input bucket with presigned URLs."
  type        = list(string)
  default     = ["*"]
}
