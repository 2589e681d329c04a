//! The catalog of error kinds: each kind's wire id, HTTP status, default message and REST shape,
//! one line per kind.
//!
//! Ids and messages are Rocket.Chat's. Where upstream answers the same id with two statuses or
//! two shapes, the catalog has one kind per answer (`NotAllowed` is the 400 its methods throw,
//! `Forbidden` the 403 its REST checks answer); a kind may also share its id and status with
//! another to give a message many call sites repeat its own name (the first line of such a
//! group is the general kind). Call sites name a kind (`Kind::RoomNotFound.into()`,
//! `.ok_or(Kind::InvalidUser)?`) and may replace its message (`Kind::X.with_message(…)`) or add
//! details (`Kind::X.with_details(…)`).

use serde_json::Value;

use super::Error;

/// How REST writes a kind's failure body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// `{"success":false,"error":"<message> [<id>]","errorType":"<id>"}`, as Rocket.Chat's `Meteor.Error`s.
    Standard,
    /// `{"success":false,"error":"<id>","errorType":"<id>"}`: upstream throws a bare `Error(id)`.
    Bare,
    /// `{"success":false,"error":"<message>"}`: upstream's `API.v1.failure("…")`, with no id.
    Plain,
}

/// Declares [`Kind`] and its table: `Name = status, "wire-id", "default message"[, Shape];`.
macro_rules! catalog {
    ($($name:ident = $status:literal, $id:literal, $message:literal $(, $shape:ident)?;)*) => {
        /// A kind of failure a client sees; see the module docs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind {
            $($name,)*
        }

        impl Kind {
            /// Every kind, in table order.
            pub const ALL: &'static [Kind] = &[$(Kind::$name,)*];

            /// The error id clients match on (`errorType` in REST, `error` in DDP).
            pub const fn id(self) -> &'static str {
                match self {
                    $(Kind::$name => $id,)*
                }
            }

            /// The HTTP status REST answers with.
            pub const fn status(self) -> u16 {
                match self {
                    $(Kind::$name => $status,)*
                }
            }

            /// The message used when the call site gives none.
            pub const fn message(self) -> &'static str {
                match self {
                    $(Kind::$name => $message,)*
                }
            }

            /// How REST writes the failure.
            pub const fn shape(self) -> Shape {
                match self {
                    $(Kind::$name => catalog!(@shape $($shape)?),)*
                }
            }
        }
    };
    (@shape) => { Shape::Standard };
    (@shape $shape:ident) => { Shape::$shape };
}

catalog! {
    ActionForbidden = 403, "error-action-not-allowed", "Not allowed";
    ActionNotAllowed = 400, "error-action-not-allowed", "Not allowed";
    ActionNotAllowedOnPermissions = 400, "error-action-not-allowed", "Accessing permissions is not allowed";
    AdminNotAuthorized = 400, "not_authorized", "Not authorized", Bare;
    AdminRequired = 400, "error-admin-required", "You need to have at least one admin";
    AppAlreadyInstalled = 400, "error-app-already-installed", "The App is already installed";
    AppCompileFailed = 400, "error-app-compile-failed", "The App failed to compile";
    AppComponentInvalid = 400, "error-app-component-invalid", "The App component is invalid";
    AppEndpointFailed = 500, "error-app-failed", "The app could not answer";
    AppFailed = 400, "error-app-failed", "The App failed";
    AppFileMissing = 400, "error-app-file-missing", "Failed to get a file to install for the App: send the zip in the multipart field `app`";
    AppIdMismatch = 400, "error-app-id-mismatch", "The package is another App";
    AppIncompatibleApi = 400, "error-app-incompatible-api", "The App needs another API version";
    AppInitializeFailed = 400, "error-app-initialize-failed", "The App failed to initialize";
    AppManifestInvalid = 400, "error-app-manifest-invalid", "The App manifest is invalid";
    AppNameParamNotValid = 400, "error-appName-param-not-valid", "The required \"appName\" body param is missing or invalid.";
    AppNotFound = 404, "error-app-not-found", "App not found";
    AppPackageInvalid = 400, "error-app-package-invalid", "The App package is invalid";
    AppPrevented = 400, "error-app-prevented", "A Rocket.Chat App prevented the message sending.";
    AppSettingNotFound = 404, "error-app-setting-not-found", "App setting not found";
    AppStorageQuota = 400, "error-app-storage-quota", "The app's storage quota is used up";
    AppUrlNotSupported = 400, "error-app-url-not-supported", "Installing from a URL is not supported";
    AppUser = 400, "error-app-user", "No free username for the bot user";
    AppsNotRunning = 400, "error-apps-not-running", "The apps platform is not running";
    ArchivedDuplicateName = 400, "error-archived-duplicate-name", "There's an archived channel with that name";
    AvatarInvalidUrl = 400, "error-avatar-invalid-url", "Invalid avatar URL: this server does not download avatars from other sites; upload the image (multipart field \"image\") or send it as a data:image/...;base64 URL";
    BlockedUsername = 400, "error-blocked-username", "The username is blocked and can't be used!";
    CannotDeleteTeamMainRoom = 400, "error-cannot-delete-team-main-room", "A team's main room is deleted with its team";
    CannotRemoveTeamMainRoom = 400, "cannot-remove-team-main-room", "The team's main room can't be removed", Bare;
    CantInviteForDirectRoom = 400, "error-cant-invite-for-direct-room", "Can't invite user to direct rooms";
    ChannelsSetdefaultIsSame = 400, "error-channels-setdefault-is-same", "The bodyParam \"default\" is required";
    ChannelsSetdefaultMissingDefaultParam = 400, "error-channels-setdefault-missing-default-param", "The channel default setting is the same as what it would be changed to.";
    CodeInvalid = 400, "error-code-invalid", "Invalid code";
    CodeRequired = 400, "error-code-required", "Code required";
    ConnectionRequired = 400, "error-connection-required", "This method needs a realtime connection";
    CustomEmojiInvalid = 400, "Custom_Emoji_Error_Invalid_Emoji", "Invalid emoji";
    CustomEmojiNameInUse = 400, "Custom_Emoji_Error_Name_Or_Alias_Already_In_Use", "The custom emoji or one of its aliases is already in use";
    CustomUserStatusInvalid = 400, "Custom_User_Status_Error_Invalid_User_Status", "Invalid user status";
    CustomUserStatusNameInUse = 400, "Custom_User_Status_Error_Name_Already_In_Use", "The custom user status name is already in use";
    DirectMessageFileUploadNotAllowed = 400, "error-direct-message-file-upload-not-allowed", "File sharing not allowed in direct messages.";
    DirectMessageMaxUserExceeded = 400, "error-direct-message-max-user-exceeded", "Too many users for a direct message";
    DirectMessageRoom = 400, "error-direct-message-room", "Direct Messages can not be archived";
    DiscussionAlreadyExists = 400, "error-discussion-already-exists", "A discussion already exists for this message";
    DuplicateChannelName = 400, "error-duplicate-channel-name", "A channel with that name already exists";
    DuplicateRoleNamesNotAllowed = 400, "error-duplicate-role-names-not-allowed", "Role name already exists";
    EmojiIsNotImage = 400, "emoji-is-not-image", "Emoji file provided cannot be uploaded since it's not an image";
    EmojiParamNotProvided = 400, "error-emoji-param-not-provided", "The required \"emoji\" param is missing.";
    EmptyInviteList = 400, "error-empty-invite-list", "Cannot invite if no valid users are provided";
    EndpointDisabled = 400, "error-endpoint-disabled", "This endpoint is disabled";
    FieldUnavailable = 400, "error-field-unavailable", "Username or email is already in use";
    FileEmpty = 400, "error-file-empty", "The file is empty";
    FileNotFound = 404, "error-file-not-found", "File not found";
    FileTooLarge = 400, "error-file-too-large", "File size exceeds the allowed limit";
    FileUploadDisabled = 400, "error-file-upload-disabled", "File uploads are disabled.";
    Forbidden = 403, "error-not-allowed", "Not allowed";
    HeadersTooLarge = 431, "error-headers-too-large", "The request headers are too large";
    IdParamNotValid = 400, "error-id-param-not-valid", "The required \"id\" body param is invalid.";
    InputIsNotAValidField = 400, "error-input-is-not-a-valid-field", "The input is not a valid field";
    InternalError = 500, "error-internal", "Internal server error";
    InvalidArguments = 400, "error-invalid-arguments", "Invalid arguments";
    InvalidAttachment = 400, "error-invalid-attachment", "Invalid href value provided";
    InvalidBody = 400, "error-invalid-body", "The request body must be a JSON object";
    InvalidBodyParams = 400, "error-invalid-body-params", "Invalid body params";
    InvalidChannel = 400, "error-invalid-channel", "Invalid channel";
    InvalidCommand = 400, "error-invalid-command", "The command provided does not exist (or is disabled).";
    InvalidCommandUsage = 400, "invalid-command-usage", "Executing a command requires at least a message with a room id.";
    InvalidCustomUserStatus = 400, "error-invalid-custom-user-status", "No custom user status found";
    InvalidDescription = 400, "error-invalid-description", "Invalid description";
    InvalidEmail = 400, "error-invalid-email", "Invalid email";
    InvalidEmoji = 400, "error-invalid-emoji", "Emoji not found.";
    InvalidField = 400, "error-invalid-field", "Invalid field";
    InvalidFile = 400, "invalid-file", "Invalid file";
    InvalidFileType = 400, "error-invalid-file-type", "File type is not accepted.";
    InvalidIdleTimeLimitValue = 400, "invalid-idle-time-limit-value", "Idle time limit must be at least 1 minutes.";
    InvalidImage = 400, "error-invalid-image", "The 'image' param is required";
    InvalidJson = 400, "error-invalid-json", "Invalid JSON body";
    InvalidLogin = 400, "error-invalid-login", "Invalid login parameters";
    BioSizeExceeded = 400, "error-bio-size-exceeded", "Bio size exceeds 260 characters";
    NicknameSizeExceeded = 400, "error-nickname-size-exceeded", "Nickname size exceeds 120 characters";
    NameSizeExceeded = 400, "error-name-size-exceeded", "Name size exceeds 120 characters";
    CustomFieldsSizeExceeded = 400, "error-custom-fields-size-exceeded", "Custom fields take at most 16384 bytes";
    RoomTextSizeExceeded = 400, "error-room-text-size-exceeded", "Topics, announcements and descriptions have at most 4096 characters";
    LoginBlockedForIp = 403, "error-login-blocked-for-ip", "Login has been temporarily blocked For IP";
    LoginBlockedForUser = 403, "error-login-blocked-for-user", "Login has been temporarily blocked For User";
    InvalidMessage = 400, "error-invalid-message", "Invalid message";
    InvalidMessageId = 400, "error-invalid-message_id", "Invalid message id";
    InvalidMethodCall = 400, "error-invalid-method-call", "Invalid method call";
    InvalidMsg = 400, "error-invalid-msg", "The message is empty";
    InvalidName = 400, "error-invalid-name", "Invalid name";
    InvalidParams = 400, "error-invalid-params", "Please verify the parameters";
    InvalidPassword = 400, "error-invalid-password", "Invalid password";
    InvalidPermission = 400, "error-invalid-permission", "Invalid permission";
    InvalidPreview = 400, "error-invalid-preview", "Preview Item must have an id, type, and value.";
    InvalidQuery = 400, "error-invalid-query", "Invalid query";
    InvalidRole = 400, "error-invalid-role", "Invalid role";
    InvalidRoleId = 400, "error-invalid-roleId", "This role does not exist";
    InvalidRoleProperties = 400, "error-invalid-role-properties", "The role properties are invalid.";
    InvalidRoom = 400, "error-invalid-room", "Invalid room";
    InvalidRoomName = 400, "error-invalid-room-name", "Invalid room name";
    InvalidRoomType = 400, "error-invalid-room-type", "Invalid room type";
    InvalidScope = 400, "error-invalid-scope", "Invalid scope";
    InvalidSetting = 400, "error-invalid-setting", "Invalid setting";
    InvalidSettingValue = 400, "error-invalid-setting-value", "Invalid setting value";
    InvalidSettings = 400, "error-invalid-settings", "Invalid settings provided";
    InvalidStatus = 400, "error-invalid-status", "Invalid status provided, it must be \"status\" field and a string.";
    InvalidSubscription = 400, "error-invalid-subscription", "Invalid subscription";
    InvalidThread = 400, "error-invalid-thread", "Invalid thread.";
    InvalidThreadParams = 400, "invalid-params", "tshow provided but missing tmid";
    InvalidToken = 403, "error-invalid-token", "Token expired";
    InvalidTotp = 400, "invalid-totp", "Invalid TOTP provided";
    InvalidTotpSecret = 400, "error-invalid-totp-secret", "Invalid TOTP secret";
    InvalidUploadField = 400, "invalid-field", "Invalid field";
    InvalidUser = 400, "error-invalid-user", "Invalid user";
    InvalidUserId = 400, "error-invalid-user-id", "Invalid user id";
    InvalidUsername = 400, "error-invalid-username", "Invalid username";
    LastOwnerCanNotBeRemoved = 400, "last-owner-can-not-be-removed", "The last owner can not be removed", Bare;
    LastUpdateParamInvalid = 400, "error-lastUpdate-param-invalid", "The \"lastUpdate\" query parameter must be a valid date";
    MemberDoesNotExist = 400, "member-does-not-exist", "Member does not exist", Bare;
    MessageAlreadyExists = 400, "error-message-already-exists", "A message with that _id already exists";
    MessageEditingBlocked = 400, "error-message-editing-blocked", "Message editing is blocked";
    MessageNotFound = 400, "error-message-not-found", "The provided \"messageId\" does not match any existing message.";
    MessageSizeExceeded = 400, "error-message-size-exceeded", "Message size exceeds Message_MaxAllowedSize";
    MessageTsOutOfSync = 400, "error-message-ts-out-of-sync", "Message timestamp is out of sync";
    MethodNotAllowed = 405, "error-method-not-allowed", "Method not allowed";
    MethodNotAuthorized = 400, "not-authorized", "Not Authorized";
    MethodNotAuthorizedForbidden = 403, "not-authorized", "Not Authorized";
    NestedDiscussion = 400, "error-nested-discussion", "Cannot create nested discussions";
    NoFileUploaded = 400, "error-no-file-uploaded", "No file was uploaded";
    NoMessageForUnread = 400, "error-no-message-for-unread", "There are no messages to mark unread";
    NoOwnerChannel = 400, "error-no-owner-channel", "You are not a member of this room", Bare;
    NoPermission = 400, "error-no-permission", "No permission";
    NoPermissionTeamChannel = 403, "error-no-permission-team-channel", "You don't have permission to add rooms";
    NotAllowed = 400, "error-not-allowed", "Not allowed";
    NotAuthorized = 400, "error-not-authorized", "Not authorized";
    NotAuthorizedForbidden = 403, "error-not-authorized", "Not authorized";
    NotFound = 404, "error-not-found", "Not found";
    ParamNotProvided = 400, "error-param-not-provided", "Query param \"role\" is required";
    ParamRequired = 400, "error-param-required", "The parameter is required";
    ParameterRequired = 400, "error-parameter-required", "emailOrUsername is required";
    PasswordPolicyMaxLength = 400, "error-password-policy-not-met-maxLength", "The password does not meet the maximum length password policy.";
    PasswordPolicyMinLength = 400, "error-password-policy-not-met-minLength", "The password does not meet the minimum length password policy.";
    PasswordPolicyNotMet = 400, "error-password-policy-not-met", "The password does not meet the policy";
    PasswordPolicyOneLowercase = 400, "error-password-policy-not-met-oneLowercase", "The password does not meet the password policy.";
    PasswordPolicyOneNumber = 400, "error-password-policy-not-met-oneNumber", "The password does not meet the password policy.";
    PasswordPolicyOneSpecial = 400, "error-password-policy-not-met-oneSpecial", "The password does not meet the password policy.";
    PasswordPolicyOneUppercase = 400, "error-password-policy-not-met-oneUppercase", "The password does not meet the password policy.";
    PasswordPolicyRepeatingCharacters = 400, "error-password-policy-not-met-repeatingCharacters", "The password contains repeating characters which is against the password policy.";
    PasswordSameAsCurrent = 400, "error-password-same-as-current", "Entered password same as current password";
    PlainFailure = 400, "error-failure", "Bad request", Plain;
    PostInvalidChannel = 400, "invalid-channel", "Invalid channel";
    RealtimeNotAllowed = 403, "not-allowed", "Not allowed";
    RemoveLastOwner = 400, "error-remove-last-owner", "This is the last owner. Please set a new owner before removing this one.";
    RequestTooLarge = 413, "error-request-too-large", "The request body is too large";
    RidParamNotProvided = 400, "error-room-id-param-not-provided", "The required \"rid\" param is missing.";
    RoleInUse = 400, "error-role-in-use", "Cannot delete role because it's in use";
    RoleNotFound = 400, "error-role-not-found", "Role not found";
    RoleProtected = 400, "error-role-protected", "Role is protected";
    RoomAlreadyInTeam = 400, "error-room-already-in-team", "The room already belongs to a team";
    RoomAlreadyOnTeam = 400, "room-already-on-team", "Room already on team", Bare;
    RoomArchived = 400, "error-room-archived", "This room is archived";
    RoomDoesNotExist = 400, "error-room-does-not-exist", "This room does not exist";
    RoomIdParamInvalid = 400, "error-roomId-param-invalid", "The \"updatedSince\" query parameter must be a valid date.";
    RoomIdParamNotProvided = 400, "error-roomId-param-not-provided", "The required \"roomId\" query param is missing.";
    RoomNameAlreadyExists = 400, "room-name-already-exists", "Room name already exists", Bare;
    RoomNotArchived = 400, "error-room-not-archived", "The room is not archived";
    RoomNotFound = 400, "error-room-not-found", "Room not found";
    RoomParamNotProvided = 400, "error-room-param-not-provided", "Body param \"roomId\" is required";
    RoomReadOnly = 400, "error-room-read-only", "You can't send messages because the room is readonly.";
    RoomidParamNotProvided = 400, "error-roomid-param-not-provided", "The parameter \"roomId\" is required";
    SearchTextParamNotProvided = 400, "error-searchText-param-not-provided", "The required \"searchText\" query param is missing.";
    SettingBlocked = 400, "error-setting-blocked", "The setting is blocked and can't be changed";
    ShieldDisabled = 400, "error-shield-disabled", "This shield type is disabled";
    StatusNotAllowed = 400, "error-status-not-allowed", "Invisible status is disabled";
    SubscriptionNotFound = 400, "error-subscription-not-found", "Subscription not found";
    TeamDoesNotExist = 400, "team-does-not-exist", "Team does not exist", Bare;
    TeamInvalidRoom = 400, "invalid-room", "Invalid room", Bare;
    TeamInvalidUser = 400, "invalid-user", "Invalid user", Bare;
    TeamNameAlreadyExists = 400, "team-name-already-exists", "Team name already exists", Bare;
    TheFieldIsRequired = 400, "error-the-field-is-required", "The field Name is required";
    TokenAlreadyExists = 400, "error-token-already-exists", "A token with this name already exists";
    TokenDoesNotExists = 400, "error-token-does-not-exists", "Token does not exist";
    TokenParamNotValid = 400, "error-token-param-not-valid", "The required \"value\" body param is missing or invalid.";
    TotpInvalid = 400, "totp-invalid", "TOTP Invalid";
    TotpMaxAttempts = 400, "totp-max-attempts", "TOTP Maximun Failed Attempts Reached";
    TotpRequired = 400, "totp-required", "TOTP Required";
    TwoFactorAlreadyEnabled = 400, "error-2fa-already-enabled", "Two-factor authentication is already enabled";
    TwoFactorNotEnabled = 400, "error-two-factor-not-enabled", "Two factor authentication is not enabled";
    TypeParamNotValid = 400, "error-type-param-not-valid", "The required \"type\" body param is missing or invalid.";
    Unauthorized = 403, "error-unauthorized", "User does not have the permissions required for this action";
    UpdatedSinceParamInvalid = 400, "error-updatedSince-param-invalid", "The \"updatedSince\" query parameter must be a valid date.";
    UriTooLong = 414, "error-uri-too-long", "The request URL is too long";
    UserAlreadyInRole = 400, "error-user-already-in-role", "User already in role";
    UserAlreadyInRoom = 400, "error-user-already-in-room", "The user is already in the room";
    UserAlreadyLeader = 400, "error-user-already-leader", "User is already a leader";
    UserAlreadyModerator = 400, "error-user-already-moderator", "User is already a moderator";
    UserAlreadyOwner = 400, "error-user-already-owner", "User is already an owner";
    UserIdParamNotProvided = 400, "error-user-id-param-not-provided", "The required \"userId\" param is missing.";
    UserLastOwner = 400, "user-last-owner", "";
    UserMuted = 400, "error-user-muted", "You have been muted and cannot speak in this room";
    UserNotFound = 400, "error-user-not-found", "User not found";
    UserNotInRole = 400, "error-user-not-in-role", "User is not in this role";
    UserNotInRoom = 400, "error-user-not-in-room", "User is not in this room";
    UserNotLeader = 400, "error-user-not-leader", "User is not a leader";
    UserNotModerator = 400, "error-user-not-moderator", "User is not a moderator";
    UserNotOwner = 400, "error-user-not-owner", "User is not an owner";
    UserParamNotProvided = 400, "error-user-param-not-provided", "The required \"userId\" or \"username\" param was not provided";
    UserRegistrationDisabled = 403, "error-user-registration-disabled", "User registration is disabled";
    YouAreLastOwner = 400, "error-you-are-last-owner", "You are the last owner. Please set new owner before leaving the room.";
}

impl Kind {
    /// Whether this kind refuses the caller: a 401 or 403, or one of the 400 refusals Rocket.Chat's
    /// methods throw (`error-not-allowed`, `error-action-not-allowed`, `error-unauthorized`).
    pub const fn is_denial(self) -> bool {
        matches!(self.status(), 401 | 403)
            || matches!(
                self,
                Kind::NotAllowed | Kind::ActionNotAllowed | Kind::ActionNotAllowedOnPermissions | Kind::Unauthorized
            )
    }

    /// Whether this kind says the room, user or message named does not exist (or is not
    /// visible): a 404, or one of the 400s upstream answers for an unknown or invalid target.
    pub const fn is_not_found(self) -> bool {
        matches!(self.status(), 404)
            || matches!(
                self,
                Kind::RoomNotFound
                    | Kind::InvalidRoom
                    | Kind::InvalidUser
                    | Kind::InvalidUsername
                    | Kind::UserNotFound
                    | Kind::InvalidMessage
                    | Kind::MessageNotFound
            )
    }

    /// This kind with another message.
    pub fn with_message(self, message: impl Into<String>) -> Error {
        Error::Api { kind: self, message: message.into(), details: None }
    }

    /// This kind with its default message and a `details` object (2FA errors carry one; DDP
    /// methods name themselves in it).
    pub fn with_details(self, details: Value) -> Error {
        Error::from(self).with_details(details)
    }

    /// A missing parameter (`error-param-required`, as Rocket.Chat's `check` failures read).
    pub fn param_required(name: &str) -> Error {
        Kind::ParamRequired.with_message(format!("The parameter \"{name}\" is required"))
    }

    /// A parameter of the wrong type or shape (`error-invalid-params`).
    pub fn invalid_param(name: &str) -> Error {
        Kind::InvalidParams.with_message(format!("The parameter \"{name}\" is invalid"))
    }
}

impl From<Kind> for Error {
    fn from(kind: Kind) -> Self {
        Error::Api { kind, message: kind.message().to_string(), details: None }
    }
}
