using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.TestSupport;

/// <summary>
/// Keeps every log entry and lets a test wait for an event by name — how tests synchronise with
/// retries happening inside the store, instead of sleeping.
/// </summary>
public sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<(string Event, string Message)> _entries = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _seen = new();

    public IReadOnlyList<(string Event, string Message)> Entries => [.. _entries];

    public IEnumerable<string> Messages => _entries.Select(e => e.Message);

    public int Count(string eventName) => _entries.Count(e => e.Event == eventName);

    /// <summary>Completes when an entry with <paramref name="eventName"/> has been logged (before or after the call).</summary>
    public Task WhenLoggedAsync(string eventName) => Signal(eventName).Task;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var name = eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _entries.Enqueue((name, formatter(state, exception) + (exception is null ? string.Empty : " " + exception)));
        Signal(name).TrySetResult();
    }

    private TaskCompletionSource Signal(string eventName) =>
        _seen.GetOrAdd(eventName, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
