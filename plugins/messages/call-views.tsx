// What calls and presence add to the pages: the member's own-topic script on every page (ringing, presence,
// delivery), and in a direct thread the Call and Video call buttons with the call's panel. Calls need JavaScript:
// the buttons start hidden and call.js shows them.
import { Icon } from '../../core/plugins/api.js'

/** On every member's page: joins their own topic (live.js). */
export function LiveScript() {
  return (
    <>
      <link rel="stylesheet" href="/plugins/messages/call.css" />
      <script src="/plugins/messages/live.js" defer></script>
    </>
  )
}

/** The other member's presence under a direct thread's title ("Active now"), refreshed by live.js. */
export function PresenceLine(props: { conversationId: number; text: string | null }) {
  return (
    <p class="muted messages-presence" data-presence={props.conversationId}>
      {props.text ?? ''}
    </p>
  )
}

/** The Call and Video call buttons (hidden until call.js runs). */
export function CallButtons() {
  return (
    <div class="messages-call-buttons" data-call-buttons hidden>
      <button type="button" class="secondary" data-call-start="voice">
        <Icon name="phone" /> Call
      </button>
      <button type="button" class="secondary" data-call-start="video">
        <Icon name="video" /> Video call
      </button>
    </div>
  )
}

/** The call in the thread: who is calling, both videos, and the controls. */
export function CallPanel(props: { conversationId: number; title: string }) {
  return (
    <>
      <div class="messages-call" data-call={props.conversationId} data-title={props.title} role="region" aria-label="Call" hidden>
        <p class="messages-call-status" data-call-status role="status" aria-live="polite"></p>
        <div class="messages-call-videos" data-call-videos>
          <video data-call-remote autoplay playsInline></video>
          <video data-call-local autoplay playsInline muted></video>
        </div>
        <div class="messages-call-controls">
          <button type="button" data-call-accept hidden>
            <Icon name="phone" /> Accept
          </button>
          <button type="button" class="secondary" data-call-decline hidden>
            <Icon name="phone-off" /> Decline
          </button>
          <button type="button" class="secondary" data-call-mute aria-pressed="false" hidden>
            <Icon name="mic-off" /> Mute
          </button>
          <button type="button" class="secondary" data-call-camera aria-pressed="false" hidden>
            <Icon name="video-off" /> Camera off
          </button>
          <button type="button" class="danger" data-call-hangup hidden>
            <Icon name="phone-off" /> Hang up
          </button>
        </div>
      </div>
      <script src="/static/rtc.js" defer></script>
      <script src="/plugins/messages/call.js" defer></script>
    </>
  )
}
