"""Sample corpus, part D (more HR and IT). Original writing for ragworks."""

DOCS = [
("sick-leave.md", "Sick Leave", [
 ("Reporting sickness", [
  "If you are sick, tell your manager before 10:00 on the first day, by phone or chat. Record the absence in the HR portal."]),
 ("Doctor's note", [
  "A doctor's note is needed from the fourth day of sickness. Upload it to the HR portal or send it to HR by post."]),
 ("Pay", [
  "Salary is paid in full for up to six weeks of sickness per illness. After that, statutory health insurance pays sick pay."]),
]),
("it-service-desk.md", "IT Service Desk", [
 ("Contact", [
  "The IT service desk can be reached at extension 4357, by chat in #it-help, or through a ticket in the IT portal. It is staffed from 8:00 to 18:00 on weekdays."]),
 ("Response times", [
  "Urgent problems, such as a locked account or a broken laptop, are handled within two hours. Other tickets are answered within one working day."]),
 ("Loan devices", [
  "The service desk keeps loan laptops for employees whose device is being repaired. A loan laptop is set up within one hour."]),
]),
("holiday-calendar.txt", "Public Holidays", [
 ("Germany", [
  "Employees in Germany have the public holidays of the state of Berlin off, including International Women's Day on March 8. Christmas Eve and New Year's Eve are also company days off."]),
 ("United States", [
  "Employees in the Austin office observe the US federal holidays, plus the day after Thanksgiving."]),
 ("Working on a holiday", [
  "On-call engineers who work on a public holiday receive a second day off in lieu, to be taken within three months."]),
]),
]
