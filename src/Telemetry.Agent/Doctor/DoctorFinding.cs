namespace Telemetry.Agent.Doctor;

/// <summary>How one <c>doctor</c> check came out. Only <see cref="Failed"/> makes the command exit non-zero.</summary>
public enum DoctorStatus
{
    Ok,
    Warning,
    Failed,
}

/// <summary>
/// One check's result in plain words: what was checked (<see cref="Subject"/>), what was found, and — unless
/// it is <see cref="DoctorStatus.Ok"/> — the fix an operator can apply, naming the configuration key.
/// </summary>
public sealed record DoctorFinding(DoctorStatus Status, string Subject, string Finding, string? Fix = null)
{
    public static DoctorFinding Ok(string subject, string finding) => new(DoctorStatus.Ok, subject, finding);

    public static DoctorFinding Warn(string subject, string finding, string fix) => new(DoctorStatus.Warning, subject, finding, fix);

    public static DoctorFinding Fail(string subject, string finding, string fix) => new(DoctorStatus.Failed, subject, finding, fix);
}
