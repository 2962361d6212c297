namespace Piazza.Common;

/// <summary>Input that breaks a rule. Nothing has been written when this is thrown.
/// The API answers 400 problem+json with <see cref="Errors"/> (field → messages); the console shows them by the fields.</summary>
public sealed class ValidationFailedException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("Validation failed: " + string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public static ValidationFailedException For(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>The object does not exist in the caller's organization (it may exist in another one: we never say).</summary>
public sealed class NotFoundException(string objectType, string id) : Exception($"{objectType} {id} was not found.")
{
    public string ObjectType { get; } = objectType;

    public string Id { get; } = id;
}

/// <summary>The caller may not do this.</summary>
public sealed class ForbiddenException(string message) : Exception(message);

/// <summary>Collects validation errors per field, then throws them all at once.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public Validation Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    /// <summary>Adds <paramref name="message"/> when <paramref name="failed"/> is true.</summary>
    public Validation When(bool failed, string field, string message) => failed ? Add(field, message) : this;

    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw new ValidationFailedException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
    }
}

/// <summary>The object changed meanwhile (someone else acted on it first), or is not in a state that allows this.
/// The API answers 409; nothing has been written.</summary>
public sealed class ConflictException(string message) : Exception(message);
