"""Posts and what hangs on them: earlier versions, acknowledgements, requests and mentions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Post(models.Model):
    """A post in a space, or a reply under one (``parent``; replies are one level deep).

    ``client_id`` is chosen by the sending client, so a retried send finds the post it made
    instead of making a second one. A deleted post keeps its row, without content, as the
    trace that something was deleted.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(blank=True)
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ack_required = models.BooleanField(default=False)
    reply_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["space", "parent", "-id"], name="timeline_page"),
            # Unread counts of the space list (posts of a space after a read mark, not the
            # reader's, not deleted), answered from the index without reading the posts.
            models.Index(fields=["space", "id", "author", "deleted_at"], name="post_unread"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=~Q(client_id=""),
                name="one_post_per_client_id",
            )
        ]

    def __str__(self) -> str:
        return f"post {self.public_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class PostVersion(models.Model):
    """An earlier text of an edited post, visible to the space's members."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    body = models.TextField()
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"version of post {self.post_id} from {self.written_at:%Y-%m-%d %H:%M}"


class Acknowledgement(models.Model):
    """了解: a member has taken in the post (R3.3②)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="acknowledgements")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "member"], name="one_ack_per_member")
        ]

    def __str__(self) -> str:
        return f"ack of post {self.post_id} by {self.member_id}"


class AckRequest(models.Model):
    """A named member from whom the author asked for 了解."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="ack_requests")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "member"], name="one_ack_request_per_member")
        ]

    def __str__(self) -> str:
        return f"ack requested of {self.member_id} on post {self.post_id}"


class Mention(models.Model):
    """A member named with @ in a post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "member"], name="one_mention_per_member")
        ]

    def __str__(self) -> str:
        return f"mention of {self.member_id} in post {self.post_id}"
