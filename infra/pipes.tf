# EventBridge Pipes: each stream of [queues.job_events] stream_sources into the
# job-events queue, one stream record per message. The role carries the generated
# consumer_job_events_pipe policy (consumer_policies.tf).

data "aws_iam_policy_document" "job_events_pipe_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["pipes.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "job_events_pipe" {
  name               = "${var.name_prefix}-job-events-pipe"
  assume_role_policy = data.aws_iam_policy_document.job_events_pipe_assume.json
}

resource "aws_iam_role_policy_attachment" "job_events_pipe" {
  role       = aws_iam_role.job_events_pipe.name
  policy_arn = aws_iam_policy.consumer_job_events_pipe.arn
}

resource "aws_pipes_pipe" "job_events_jobs" {
  name     = "${var.name_prefix}-job-events-jobs"
  role_arn = aws_iam_role.job_events_pipe.arn
  source   = aws_dynamodb_table.jobs.stream_arn
  target   = aws_sqs_queue.job_events.arn

  source_parameters {
    dynamodb_stream_parameters {
      starting_position = "LATEST"
      batch_size        = 10
    }
  }
}

resource "aws_pipes_pipe" "job_events_segment_completions" {
  name     = "${var.name_prefix}-job-events-segment-completions"
  role_arn = aws_iam_role.job_events_pipe.arn
  source   = aws_dynamodb_table.segment_completions.stream_arn
  target   = aws_sqs_queue.job_events.arn

  source_parameters {
    dynamodb_stream_parameters {
      starting_position = "LATEST"
      batch_size        = 10
    }
  }
}
