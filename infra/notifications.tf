# The chunking and video-worker queues are fed by S3 event notifications
# (schema: event_source = "s3"): source uploads under input/ start chunking,
# segment files under segments/ start a GPU conversion. Each queue block's
# filters are the literal prefix and suffix of the schema's key layout whose
# notify_queue it is (`python -m codegen drift` checks them).

data "aws_iam_policy_document" "s3_sends_to_queue" {
  for_each = {
    chunking     = aws_sqs_queue.chunking.arn
    video_worker = aws_sqs_queue.video_worker.arn
  }

  statement {
    sid       = "AllowInputBucketNotifications"
    actions   = ["sqs:SendMessage"]
    resources = [each.value]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.input.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "chunking" {
  queue_url = aws_sqs_queue.chunking.id
  policy    = data.aws_iam_policy_document.s3_sends_to_queue["chunking"].json
}

resource "aws_sqs_queue_policy" "video_worker" {
  queue_url = aws_sqs_queue.video_worker.id
  policy    = data.aws_iam_policy_document.s3_sends_to_queue["video_worker"].json
}

resource "aws_s3_bucket_notification" "input" {
  bucket = aws_s3_bucket.input.id

  queue {
    queue_arn     = aws_sqs_queue.chunking.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "input/"
    filter_suffix = "/source.mp4"
  }

  queue {
    queue_arn     = aws_sqs_queue.video_worker.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "segments/"
    filter_suffix = ".mp4"
  }

  # S3 checks that it may send to each queue when the notification is created.
  depends_on = [aws_sqs_queue_policy.chunking, aws_sqs_queue_policy.video_worker]
}
