namespace Piazza.Server.Demo;

/// <summary>The demo municipality created on first start.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Password of every demo staff user; generated (and printed) when empty.</summary>
    public string? Password { get; set; }

    /// <summary>How many sandbox subscribers to invent.</summary>
    public int Subscribers { get; set; } = 60;
}
