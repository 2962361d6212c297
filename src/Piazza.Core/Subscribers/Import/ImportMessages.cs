namespace Piazza.Subscribers.Import;

/// <summary>Every message of a list import, in English. The console translates them through its resources
/// (<c>Text.it.resx</c>; a test checks that each constant here has its translation), then fills in the {0} values.</summary>
public static class ImportMessages
{
    // The file as a whole (validation errors: nothing is checked further).
    public const string FileRequired = "Choose the CSV file of the list.";
    public const string FileTooLarge = "The file is larger than 5 MB: split it into several files.";
    public const string FileEmpty = "The file is empty.";
    public const string FileNoRows = "The file has no subscribers after the header row.";
    public const string FileTooManyRows = "The file has more than 100,000 rows: split it into several files.";
    public const string FileIsWorkbook = "This is an Excel workbook, not a CSV file: in Excel choose Save as, then CSV UTF-8.";
    public const string FileNotCsv = "The file cannot be read as CSV.";
    public const string HeaderRequired = "The first row must be the header: phone,languages,topics,consent_date,source.";
    public const string HeaderMissingColumn = "This column is missing from the header row.";
    public const string HeaderUnknownColumn = "Unknown column: the columns are phone, languages, topics, consent_date and source.";
    public const string HeaderDuplicateColumn = "This column appears twice in the header row.";
    public const string ChannelNotPhone = "Lists can be imported only into channels whose subscribers are phone numbers, such as WhatsApp.";
    public const string ChannelRequired = "Choose one of the organization's channels.";
    public const string PolicyVersionRequired = "Record which version of the privacy notice was accepted.";
    public const string PolicyVersionTooLong = "At most 60 characters.";
    public const string SourceFieldTooLong = "At most 200 characters.";
    public const string Refused = "Some rows have problems: nothing was imported.";
    public const string KeptExpired = "The checked file is no longer on the server (it is kept for 30 minutes): choose it and check it again.";
    public const string Conflict = "One of these numbers subscribed on this channel meanwhile: nothing was imported. Check the file again.";

    // One row (listed in the report).
    public const string RowCells = "The row has {0} cells instead of {1}: check the separators (a cell that contains the separator must be in quotes).";
    public const string PhoneRequired = "A phone number is required.";
    public const string PhoneScientific = "The spreadsheet turned the number into scientific notation (such as 3.93E+11): format the column as text and write the number again.";
    public const string PhoneDoubleZero = "Write the international prefix with + instead of 00, e.g. +39 instead of 0039.";
    public const string PhoneNoCountryCode = "The number has no country code: write it in international format, with + and the country code, e.g. +393331234567.";
    public const string PhoneNoPlus = "The number lacks the + before the country code (spreadsheets often drop it): write it as +{0}.";
    public const string PhoneCharacters = "A phone number has only digits after the +, e.g. +393331234567.";
    public const string PhoneTooShort = "The number is too short: in international format it has 8 to 15 digits after the +.";
    public const string PhoneTooLong = "The number is too long: in international format it has 8 to 15 digits after the +.";
    public const string Duplicate = "The same number as row {0}: each number may appear only once.";
    public const string LanguageUnknown = "\"{0}\" is not one of the organization's languages ({1}).";
    public const string TopicsRequired = "Name at least one topic (its key or its name), or * for all topics.";
    public const string TopicUnknown = "There is no topic \"{0}\": write a topic's key or name, and separate several topics with |.";
    public const string TopicAmbiguous = "\"{0}\" is the name of several topics: write the topic's key instead.";
    public const string TopicInactive = "The topic \"{0}\" is inactive: citizens can no longer subscribe to it.";
    public const string DateRequired = "The consent date is required.";
    public const string DateFormat = "Write the date as 2024-03-01 or 01/03/2024.";
    public const string DateFuture = "The consent date is in the future.";
    public const string DateTooOld = "The consent date is before 2000: check the year.";
    public const string SourceTooLong = "The source is longer than 200 characters.";

    // Skipped rows (not errors).
    public const string AlreadySubscribed = "Already subscribed on this channel: skipped.";
    public const string LeftBefore = "This person left the channel: an import does not subscribe them again (skipped).";
}
