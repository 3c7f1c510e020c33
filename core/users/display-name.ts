// The name a member is shown by: one fallback, used by every service, page and plugin.

/**
 * The name to show for a member: their display name, or their username when they have not set one.
 * @example <strong>{displayName(post.author)}</strong>
 */
export function displayName(member: { display_name?: string | null; username: string }): string {
  return member.display_name || member.username
}
