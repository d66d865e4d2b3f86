"""Sample corpus, part A (HR, IT). Original writing for ragworks; Apache-2.0 like the code.

Each document: (file name, title, [(section heading, [paragraphs])]).
"""

DOCS = [
("vacation-policy.md", "Vacation Policy", [
 ("Annual allowance", [
  "Full-time employees at Lumen Robotics receive 27 days of paid vacation per calendar year. Part-time employees receive a pro-rated allowance based on their contracted hours.",
  "New employees who join mid-year receive a pro-rated allowance for the remaining months of their first year. The allowance is shown in the HR portal under Time Off."]),
 ("Carry-over", [
  "Up to 5 unused vacation days may be carried over into the next year. Carried-over days expire on March 31 and are not paid out.",
  "Days beyond the carry-over limit are forfeited on January 1 unless your manager approved an exception in writing because of a business need."]),
 ("Requesting time off", [
  "Request vacation in the HR portal at least two weeks ahead for absences longer than three days. Your manager approves or declines within five working days.",
  "During the December code freeze, vacation for on-call engineers needs approval from the engineering director."]),
]),
("parental-leave.md", "Parental Leave", [
 ("Eligibility", [
  "Every employee with at least six months of service is eligible for parental leave, regardless of gender or how the child joins the family, including adoption and foster care."]),
 ("Paid leave", [
  "The primary caregiver receives 20 weeks of fully paid leave. The secondary caregiver receives 8 weeks of fully paid leave, which can be taken in up to three blocks within the first year.",
  "Leave must start within twelve months of the birth or placement of the child."]),
 ("Returning to work", [
  "After parental leave, employees may work a reduced schedule of four days per week at full pay for the first four weeks back. Speak to HR at least one month before you return to plan the transition."]),
]),
("remote-work-policy.html", "Remote Work Policy", [
 ("Hybrid schedule", [
  "Lumen Robotics follows a hybrid model: employees work from the office on Tuesdays and Thursdays, which are collaboration days. The other three days can be worked remotely.",
  "Hardware engineers and lab technicians who need the robotics lab work on site according to their team's lab rota."]),
 ("Working abroad", [
  "Employees may work from another country for up to 30 days per calendar year. Trips must be registered in the HR portal at least ten days in advance so that tax and insurance rules can be checked."]),
 ("Home office stipend", [
  "Each employee receives a one-time home office stipend of 600 euros for a desk, chair or monitor, and 25 euros per month towards internet costs, paid with the salary."]),
]),
("expense-policy.pdf", "Expense Policy", [
 ("What can be expensed", [
  "Business expenses such as travel, meals with customers, conference fees and small equipment can be reimbursed when they are necessary for your work and supported by a receipt."]),
 ("Submitting expenses", [
  "Submit expenses in the Spendly app within 30 days of the purchase. Attach a photo of the receipt; for amounts over 150 euros the original itemised invoice is required.",
  "Reimbursements are paid with the next monthly payroll after approval by your manager."]),
 ("Limits", [
  "Meals while travelling are covered up to 60 euros per day. Alcohol is never reimbursed. Purchases over 1,000 euros must go through the purchasing process instead of expenses."]),
]),
("travel-policy.docx", "Travel Policy", [
 ("Booking travel", [
  "All business trips are booked through the TravelDesk portal so that the company knows where travellers are in an emergency.",
  "Economy class is the default for flights. Business class is allowed for flights longer than eight hours, with approval from a vice president."]),
 ("Trains and hotels", [
  "For journeys under four hours, take the train instead of flying. First class train tickets are allowed for journeys longer than two hours.",
  "Hotels are booked up to 180 euros per night in most cities and up to 250 euros per night in London, New York, Zurich and Tokyo."]),
 ("Travel insurance", [
  "Every booked business trip is covered by the company travel insurance automatically. The insurance card is available in the TravelDesk app."]),
]),
("performance-reviews.txt", "Performance Reviews", [
 ("Review cycle", [
  "Performance reviews happen twice a year, in May and November. Each review combines a self-assessment, feedback from two peers chosen with your manager, and your manager's assessment."]),
 ("Ratings", [
  "Reviews use a four-level scale: below expectations, meets expectations, exceeds expectations and outstanding. Ratings are calibrated across teams by a committee of directors before they are shared."]),
 ("Promotions", [
  "Promotions are decided in the November cycle. A promotion case needs evidence of working at the next level for at least six months and support from your manager and skip-level manager."]),
]),
("onboarding-checklist.md", "Onboarding Checklist", [
 ("Before day one", [
  "IT ships your laptop to your home address one week before your start date. Your manager assigns an onboarding buddy from another team."]),
 ("First week", [
  "On day one, collect your badge at reception and attend the welcome session at 10:00. Complete the security awareness training and enroll in multi-factor authentication during your first week.",
  "Set up the VPN client and join the #new-joiners chat channel to meet others who started this month."]),
 ("First ninety days", [
  "Agree on three goals for your first ninety days with your manager. A check-in meeting with HR takes place after 45 days, and the probation period ends after six months."]),
]),
("code-of-conduct.txt", "Code of Conduct", [
 ("Respect", [
  "We treat colleagues, customers and partners with respect. Harassment, discrimination and bullying are not tolerated in any form, in the office, online or at company events."]),
 ("Conflicts of interest", [
  "Disclose any outside job, investment or family relationship that could influence your decisions at work. Disclosures are made to the compliance team at compliance@lumen-robotics.example."]),
 ("Reporting concerns", [
  "Concerns can be raised with your manager, HR, or anonymously through the EthicsLine, which is run by an independent provider and available 24 hours a day. Retaliation against anyone who reports in good faith is forbidden."]),
]),
("benefits-overview.html", "Benefits Overview", [
 ("Health", [
  "Lumen Robotics pays for private supplementary health insurance for employees and their children. A yearly health check is offered through the company doctor."]),
 ("Pension", [
  "The company matches pension contributions up to 4 percent of the gross salary. Employees can enrol at any time through the HR portal."]),
 ("Mobility and wellbeing", [
  "Employees get a public transport pass for their home city or, alternatively, a bike leasing offer. A gym subscription with a partner network is subsidised by 30 euros per month."]),
]),
("learning-budget.md", "Learning Budget", [
 ("Yearly budget", [
  "Every employee has a learning budget of 1,500 euros per year for courses, books, certifications and conferences. Unused budget does not carry over to the next year."]),
 ("Learning time", [
  "Employees may spend up to five working days per year on learning, in addition to the budget. Conference attendance counts towards these days."]),
 ("How to use it", [
  "Ask your manager for approval before booking. Books under 50 euros do not need approval and can be expensed directly with the receipt."]),
]),
("vpn-setup.md", "VPN Setup Guide", [
 ("Installing the client", [
  "Lumen Robotics uses the WireGuard-based client TunnelBlick Pro. Install it from the Self Service app on macOS or from the Software Center on Windows.",
  "Linux users install the wireguard-tools package and import the configuration file from the IT portal."]),
 ("Connecting", [
  "Sign in with your company account and approve the multi-factor prompt on your phone. Choose the gateway closest to you: Berlin, Austin or Singapore."]),
 ("Troubleshooting", [
  "If the connection drops every few minutes, switch the protocol setting from UDP to TCP. If the client reports error VPN-403, your device certificate has expired: renew it in the IT portal under My Devices.",
  "The VPN is not required to use email, chat or the HR portal, which are reachable from the internet."]),
]),
("password-policy.txt", "Password Policy", [
 ("Requirements", [
  "Passwords for company accounts must be at least 14 characters long. Passphrases made of several random words are encouraged. Passwords are not required to expire, but must be changed immediately if they may have been exposed."]),
 ("Password manager", [
  "Every employee gets a licence for the company password manager, KeyVault. Store all work passwords there and never reuse a work password for a private account."]),
 ("Lockout", [
  "After 10 failed sign-in attempts an account is locked for 15 minutes. To unlock it sooner, contact the IT service desk at extension 4357."]),
]),
("laptop-refresh.html", "Laptop Refresh Program", [
 ("Refresh cycle", [
  "Company laptops are replaced every three years. Engineers who build firmware or run simulations can request a replacement after two years if their laptop limits their work."]),
 ("Choosing a model", [
  "Employees choose between a 14-inch MacBook Pro and a Lenovo ThinkPad X1 Carbon. Engineers may choose a ThinkPad P16 workstation with 64 GB of memory instead."]),
 ("Returning old devices", [
  "Old laptops must be returned to IT within 14 days of receiving the new one. IT wipes every returned device and donates working laptops older than four years to local schools."]),
]),
("wifi-guest-access.txt", "Guest Wi-Fi Access", [
 ("Guest network", [
  "Visitors use the network named Lumen-Guest. Guest access codes are valid for 24 hours and are printed by reception when the visitor signs in."]),
 ("Employee devices", [
  "Employees connect laptops to Lumen-Corp, which uses certificate authentication set up automatically by IT. Personal phones and tablets belong on Lumen-Guest, never on Lumen-Corp."]),
 ("Lab network", [
  "Robots and test equipment in the lab use the isolated Lumen-Lab network. Devices on Lumen-Lab cannot reach the internet without a firewall exception approved by the security team."]),
]),
("software-requests.md", "Software Requests", [
 ("Approved software", [
  "Software in the Self Service catalogue (macOS) or Software Center (Windows) is approved and can be installed without a request."]),
 ("Requesting new software", [
  "For other software, open a ticket in the IT portal with the product name, the business need and the expected cost. The security team reviews new vendors within ten working days.",
  "Free browser extensions also need a review, because they can read data in company web applications."]),
 ("Licences", [
  "Paid licences are charged to the requesting team's cost centre. Unused licences are reclaimed by IT after 60 days without use."]),
]),
("mfa-enrollment.docx", "Multi-Factor Authentication Enrollment", [
 ("Why MFA", [
  "Multi-factor authentication protects company accounts even when a password is stolen. It is mandatory for every employee and contractor."]),
 ("Enrolling", [
  "Install the Authenticator app on your phone, open the IT portal and scan the QR code under Security Settings. Register a second factor as a backup, such as a hardware security key.",
  "Hardware security keys can be collected from the IT service desk free of charge; each employee may have two."]),
 ("Lost phone", [
  "If you lose your phone, call the IT service desk at extension 4357 to have your MFA reset after identity verification by video call."]),
]),
("backup-policy.pdf", "Backup Policy", [
 ("What is backed up", [
  "Company laptops are backed up automatically every day to encrypted cloud storage. Files in the shared drives are versioned and kept for 90 days after deletion."]),
 ("Restoring files", [
  "To restore a file, use the Restore tab of the backup client or open a ticket with the IT service desk. Restores of whole laptops are done by IT within one working day."]),
 ("Servers and databases", [
  "Production databases are backed up every hour and copies are stored in a second region. Restore drills are performed every quarter and their results are reported to the security team."]),
]),
]
