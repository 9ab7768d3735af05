namespace OfflineSafety.Errors;

/// <summary>How a front end answers a user error: an exit code on the CLI, a status on HTTP.</summary>
public enum UserErrorKind
{
    /// <summary>The request or its data is wrong (a malformed file, a NaN, an unknown option value): exit 2, HTTP 400.</summary>
    BadInput,

    /// <summary>A named thing (dataset, version, model, environment) does not exist: exit 3, HTTP 404.</summary>
    NotFound,

    /// <summary>The request contradicts the store's state (the name exists, a concurrent writer won): exit 4, HTTP 409.</summary>
    Conflict,
}

/// <summary>
/// An error the user caused and can fix, with a one-line message that names the file, row, field or
/// object at fault. Front ends print only the message; anything that is not a <see cref="UserError"/>
/// (or an I/O error from the environment) is a bug and keeps its stack trace.
/// </summary>
public abstract class UserError(string message, Exception? inner = null) : Exception(message, inner)
{
    public abstract UserErrorKind Kind { get; }
}

public sealed class BadInputException(string message, Exception? inner = null) : UserError(message, inner)
{
    public override UserErrorKind Kind => UserErrorKind.BadInput;
}

public class NotFoundException(string message, Exception? inner = null) : UserError(message, inner)
{
    public override UserErrorKind Kind => UserErrorKind.NotFound;
}

public class ConflictException(string message, Exception? inner = null) : UserError(message, inner)
{
    public override UserErrorKind Kind => UserErrorKind.Conflict;
}
